// Data-plane tests count live dedicated threads and measure backpressure: run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
