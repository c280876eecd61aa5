#include <bits/stdc++.h>
using namespace std;
const long long MOD = 1000000007LL;
int main() {
    int n, x;
    cin >> n >> x;
    vector<int> c(n);
    for (auto &v : c) cin >> v;
    vector<long long> dp(x + 1, 0);
    dp[0] = 1;
    for (int i = 0; i < n; i++)
        for (int v = c[i]; v <= x; v++) dp[v] = (dp[v] + dp[v - c[i]]) % MOD;
    cout << dp[x] << endl;
    return 0;
}
