import re
import sys
from collections import Counter


def main():
    counts = Counter(w for w in re.split(r"[^a-z]+", sys.stdin.read().lower()) if w)
    print(len(counts))


if __name__ == "__main__":
    main()
