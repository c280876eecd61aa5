n = int(input())
a = list(map(int, input().split()))


def best_ending_at(i):
    # maximum sum of a subarray that ends at index i
    if i == 0:
        return a[0]
    return max(a[i], best_ending_at(i - 1) + a[i])


print(max(best_ending_at(i) for i in range(n)))
