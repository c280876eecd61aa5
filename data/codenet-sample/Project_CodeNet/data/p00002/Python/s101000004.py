while True:
    try:
        a, b = map(int, input().split())
    except EOFError:
        break
    if a == 0 and b == 0:
        break
    print(a + b)
