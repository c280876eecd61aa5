import sys, re
print len(set(re.findall('[a-z]+', sys.stdin.read().lower())))
