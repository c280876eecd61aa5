#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
int main() {
    ll n;
    cin >> n;
    ll k = sqrtl((long double)n);
    while (k * k > n) k--;
    while ((k + 1) * (k + 1) <= n) k++;
    ll s = 0;
    for (ll i = 1; i <= k; i++) s += n / i;
    cout << 2 * s - k * k << endl;
    return 0;
}
