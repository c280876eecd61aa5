import sys

OPEN = "([{"
CLOSE = ")]}"


def is_balanced(s: str) -> bool:
    stack = []
    for ch in s:
        if ch in OPEN:
            stack.append(OPEN.index(ch))
        else:
            if not stack or stack[-1] != CLOSE.index(ch):
                return False
            stack.pop()
    return not stack


def main() -> None:
    data = sys.stdin.read().split()
    n = int(data[0])
    print("\n".join("yes" if is_balanced(s) else "no" for s in data[1:1 + n]))


if __name__ == "__main__":
    main()
