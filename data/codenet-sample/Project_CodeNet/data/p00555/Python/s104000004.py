n = int(raw_input())
for i in range(n):
    s = raw_input().strip()
    st = []
    ok = True
    for c in s:
        if c in '([{':
            st.append(c)
        else:
            if not st or '([{'.index(st[-1]) != ')]}'.index(c):
                ok = False
                break
            st.pop()
    print 'yes' if ok and not st else 'no'
