n = int(input())
for _ in range(n):
    s = input()
    st = []
    for c in s:
        if c in "([{":
            st.append(c)
      elif st and "([{".index(st[-1]) == ")]}".index(c):
            st.pop()
        else:
            st.append("x")
            break
    print("yes" if not st else "no")
