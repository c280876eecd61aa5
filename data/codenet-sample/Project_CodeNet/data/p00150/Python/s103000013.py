import sys
from math import pi

r = float(sys.stdin.readline())
print(f"{pi*r*r:.8f} {2*pi*r:.8f}")
