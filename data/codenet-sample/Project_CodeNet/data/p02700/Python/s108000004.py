def unique_sorted(values):
    values = sorted(values)
    result = []
    for v in values:
        if not result or result[-1] != v:
            result.append(v)
    return result


def main():
    n = int(input())
    a = [int(x) for x in input().split()]
    print(" ".join(str(v) for v in unique_sorted(a)))


if __name__ == "__main__":
    main()
