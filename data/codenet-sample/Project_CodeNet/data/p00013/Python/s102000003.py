while True:
    try:
        words = input().split()
    except EOFError:
        break
    words.reverse()
    print(*words)
