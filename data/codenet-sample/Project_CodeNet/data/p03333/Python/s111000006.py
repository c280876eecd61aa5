# -*- coding: latin-1 -*-
import math

n = int(input())
a = list(map(int, input().split()))
moyenne = sum(a) / n
# variance de la population (on divise par n, pas n - 1) puis l'écart type
variance = sum((x - moyenne) ** 2 for x in a) / n
print("{:.10f}".format(moyenne))
print("{:.10f}".format(math.sqrt(variance)))
