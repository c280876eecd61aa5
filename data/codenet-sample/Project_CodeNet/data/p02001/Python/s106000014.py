import string
import sys

text = sys.stdin.read().lower()
table = str.maketrans({c: " " for c in set(text) if c not in string.ascii_lowercase})
print(len(set(text.translate(table).split())))
