import re
import sys

print(len(set(re.findall(r"[A-Za-z]+", sys.stdin.read()))))
