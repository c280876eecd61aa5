from functools import lru_cache

MOD = 10 ** 9 + 7


@lru_cache(maxsize=None)
def fib(n):
    if n < 2:
        return n
    return (fib(n - 1) + fib(n - 2)) % MOD


print(fib(int(input())))
