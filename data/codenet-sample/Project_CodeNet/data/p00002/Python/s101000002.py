import sys
nums = list(map(int, sys.stdin.read().split()))
print("\n".join(str(nums[i] + nums[i + 1]) for i in range(0, len(nums), 2)))
