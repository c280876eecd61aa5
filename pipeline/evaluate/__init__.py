"""The evaluate stage (`coderl evaluate`) and the compare stage (`coderl compare`), split by concern.

For every problem of the evaluation splits the model writes ``evaluate.n`` sampled completions and one greedy
completion (batched, left-padded generation with the KV cache; bf16 on a GPU, float32 on CPU). The program is
taken from each completion with ``pipeline.prompt.extract_program`` and judged by the sandbox on all of the
problem's tests, with the problem's limits times the judge's time factor (``pipeline.judging``: the same rules
as the execute stage).

- ``stage``: the evaluate stage (``run``, ``main``): samples.parquet, the metrics JSON, the plots data.
- ``generate``: batched generation with the params' sampling settings (also online RL's sampler).
- ``problems``: which problems are evaluated (splits, tests of the judged sources, a seeded subset).
- ``metrics``: pass@k, diversity and the summary of judged samples, small pure functions that tests compare
  with brute force and hand computation.
- ``ranking``: ranking accuracy (does the model give a correct program a higher likelihood than an incorrect
  one), scored in the training format.
- ``compare``: the compare stage, the evaluated models side by side in one Markdown table.
"""
