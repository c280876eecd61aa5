import sys


def reverse_words(sentence):
    stack = []
    for word in sentence.split(" "):
        if word:
            stack.append(word)
    out = []
    while stack:
        out.append(stack.pop())
    return " ".join(out)


def main():
    for line in sys.stdin.read().splitlines():
        print(reverse_words(line.strip()))


if __name__ == "__main__":
    main()
