import math


class Circle:
    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return math.pi * self.radius ** 2

    def circumference(self):
        return 2 * math.pi * self.radius


c = Circle(float(input()))
print("{:.6f} {:.6f}".format(c.area(), c.circumference()))
