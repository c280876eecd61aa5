n = int(input())
res = []
for _ in range(n):
    s = input().strip()
    st = []
    for c in s:
        if c in "([{":
            st.append(c)
        elif st and "([{".index(st[-1]) == ")]}".index(c):
            st.pop()
        else:
            st.append(c)
            break
    res.append("no" if st else "yes")
print(" ".join(res))
