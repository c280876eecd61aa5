import sys


class WordCounter:
    def __init__(self):
        self.words = set()

    def feed(self, text):
        word = []
        for ch in text.lower() + " ":
            if ch.isascii() and ch.isalpha():
                word.append(ch)
            elif word:
                self.words.add("".join(word))
                word = []

    def count(self):
        return len(self.words)


counter = WordCounter()
counter.feed(sys.stdin.read())
print(counter.count())
