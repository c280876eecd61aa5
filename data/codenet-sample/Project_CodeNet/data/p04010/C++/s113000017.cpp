#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
int main() {
    ll n, a, b, m;
    cin >> n >> a >> b >> m;
    vector<ll> x(n);
    x[0] = b % m;
    for (int i = 1; i < n; i++) x[i] = (a * x[i - 1] + b) % m;
    vector<ll> v = x;
    sort(v.begin(), v.end());
    v.erase(unique(v.begin(), v.end()), v.end());
    int k = v.size();
    vector<int> bit(k + 1, 0);
    ll ans = 0;
    for (int i = 0; i < n; i++) {
        int r = lower_bound(v.begin(), v.end(), x[i]) - v.begin() + 1;
        ll s = 0;
        for (int j = r; j > 0; j -= j & -j) s += bit[j];
        ans += i - s;
        for (int j = r; j <= k; j += j & -j) bit[j]++;
    }
    cout << ans << endl;
    return 0;
}
