import re
import sys

words = set(re.findall("[a-z]+", sys.stdin.read().lower()))
print(" %d" % len(words))
