#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
typedef unsigned long long ull;
const ll MOD = 1000000007LL;
int main() {
    ull n;
    cin >> n;
    ll a = 0, b = 1;  // F(k), F(k+1)
    for (int i = 63; i >= 0; i--) {
        ll c = a * ((2 * b - a + MOD) % MOD) % MOD;
        ll d = (a * a + b * b) % MOD;
        if ((n >> i) & 1ULL) {
            a = d;
            b = (c + d) % MOD;
        } else {
            a = c;
            b = d;
        }
    }
    cout << a << endl;
    return 0;
}
