#include <iostream>
#include <sstream>
#include <string>
#include <vector>
using namespace std;

int main() {
    string line;
    while (getline(cin, line)) {
        istringstream in(line);
        vector<string> words;
        string w;
        while (in >> w) words.push_back(w);
        for (int i = (int)words.size() - 1; i >= 0; --i) {
            cout << words[i] << (i ? " " : "");
        }
        cout << "\n";
    }
    return 0;
}
