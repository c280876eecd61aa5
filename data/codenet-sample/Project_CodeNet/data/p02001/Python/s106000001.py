import re
import sys

text = sys.stdin.read().lower()
print(len(set(re.findall(r"[a-z]+", text))))
