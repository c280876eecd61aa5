import sys

s = sys.stdin.read().lower()
words = set()
i = 0
while i < len(s):
    if s[i].isalpha():
        j = i
        while j < len(s) and s[j].isalpha():
            j += 1
        words.add(s[i:j])
        i = j
    elif s[i] == " " or s[i] == "\n":
        i += 1
print(len(words))
