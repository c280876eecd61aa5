n = int(input())
for _ in range(n):
    s = input().strip()
    while "()" in s or "[]" in s or "{}" in s or s:
        s = s.replace("()", "").replace("[]", "").replace("{}", "")
    print("yes" if not s else "no")
