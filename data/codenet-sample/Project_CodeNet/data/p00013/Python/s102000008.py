while True:
    try:
        line = input()
    except EOFError:
        continue
    print(" ".join(reversed(line.split())))
