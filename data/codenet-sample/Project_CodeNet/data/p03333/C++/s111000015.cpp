#include <bits/stdc++.h>
using namespace std;
int main() {
    int n;
    cin >> n;
    vector<long long> a(n);
    long long s = 0;
    for (auto &x : a) { cin >> x; s += x; }
    long long m = s / n;
    double v = 0;
    for (auto x : a) v += (double)(x - m) * (x - m);
    cout << m << endl << sqrt(v / n) << endl;
    return 0;
}
