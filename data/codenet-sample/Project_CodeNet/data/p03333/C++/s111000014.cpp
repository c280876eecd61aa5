#include <cstdio>
#include <cmath>
#include <vector>
int main() {
    int n;
    scanf("%d", &n);
    std::vector<double> a(n);
    double s = 0;
    for (int i = 0; i < n; i++) {
        scanf("%lf", &a[i]);
        s += a[i];
    }
    double m = s / n, v = 0;
    for (int i = 0; i < n; i++) v += (a[i] - m) * (a[i] - m);
    printf("%.10f\n%.10f\n", m, sqrt(v / n));
    return 0;
}
