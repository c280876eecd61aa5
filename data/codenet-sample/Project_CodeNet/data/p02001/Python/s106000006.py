import re
import sys

text = sys.stdin.read().decode("utf-8").lower()
print(len(set(re.findall("[a-z]+", text))))
