#include <cmath>
#include <cstdio>

int main() {
    double r;
    scanf("%lf", &r);
    const double pi = acos(-1.0);
    printf("%.6f %.6f\n", pi * r * r, 2.0 * pi * r);
    return 0;
}
