class BracketChecker:
    PAIRS = {")": "(", "]": "[", "}": "{"}

    def __init__(self):
        self.stack = []

    def check(self, s):
        self.stack.clear()
        for c in s:
            if c in "([{":
                self.stack.append(c)
            elif not self.stack or self.stack[-1] != self.PAIRS[c]:
                return False
            else:
                self.stack.pop()
        return not self.stack


checker = BracketChecker()
for _ in range(int(input())):
    print("yes" if checker.check(input().strip()) else "no")
