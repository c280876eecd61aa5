import sys


def main():
    out = []
    for line in sys.stdin.readlines():
        if not line.strip():
            continue
        a, b = (int(x) for x in line.split())
        out.append(a + b)
    print(*out, sep="\n")


if __name__ == "__main__":
    main()
