class Solver:
    def __init__(self, values):
        self.values = values

    def solve(self):
        seen = set()
        out = []
        for v in sorted(self.values):
            if v not in seen:
                seen.add(v)
                out.append(v)
        return out


input()
print(*Solver(list(map(int, input().split()))).solve())
