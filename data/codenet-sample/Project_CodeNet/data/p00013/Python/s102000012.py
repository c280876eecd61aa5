import sys


class Sentence:
    def __init__(self, text):
        self.words = text.split()

    def reversed_text(self):
        return " ".join(self.words[i] for i in range(len(self.words) - 1, -1, -1))


lines = sys.stdin.readlines()
print("\n".join(Sentence(l).reversed_text() for l in lines))
