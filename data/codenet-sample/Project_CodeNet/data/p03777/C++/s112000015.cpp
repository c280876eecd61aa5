#include <bits/stdc++.h>
using namespace std;
typedef long long ll;
int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    vector<vector<pair<int, ll>>> g(n + 1);
    for (int i = 0; i < m; i++) {
        int u, v;
        ll w;
        scanf("%d %d %lld", &u, &v, &w);
        g[u].push_back({v, w});
        g[v].push_back({u, w});
    }
    vector<ll> dist(n + 1, -1);
    priority_queue<pair<ll, int>, vector<pair<ll, int>>, greater<pair<ll, int>>> pq;
    pq.push({0, 1});
    while (!pq.empty()) {
        ll d = pq.top().first;
        int u = pq.top().second;
        pq.pop();
        if (dist[u] != -1) continue;
        dist[u] = d;
        for (auto &e : g[u])
            if (dist[e.first] == -1) pq.push({d + e.second, e.first});
    }
    printf("%lld\n", dist[n]);
    return 0;
}
