import sys


class Solver:
    def __init__(self, text):
        self.values = [int(tok) for tok in text.split()]

    def answers(self):
        it = iter(self.values)
        return [a + b for a, b in zip(it, it)]


if __name__ == "__main__":
    for s in Solver(sys.stdin.read()).answers():
        print(s)
