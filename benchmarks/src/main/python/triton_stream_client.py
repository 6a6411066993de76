"""NVIDIA's tritonclient.grpc on a decoupled model, for StreamBenchmark.

Sends --requests requests over one start_stream() stream with async_stream_infer(), at most
--in-flight of them without their final response, after --warm-up requests that are not timed.
Prints one JSON line: the responses received (finals not counted), the wall time and the CPU
time of this whole process (getrusage RUSAGE_SELF, user + system) over the timed part.
"""

import argparse
import json
import resource
import sys
import threading
import time

import numpy as np
import tritonclient.grpc as grpcclient


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Stream:
    """Counts responses and finals, and lets at most in_flight requests be open."""

    def __init__(self, in_flight):
        self.slots = threading.Semaphore(in_flight)
        self.lock = threading.Lock()
        self.done = threading.Condition(self.lock)
        self.responses = 0
        self.finals = 0
        self.error = None

    def callback(self, result, error):
        if error is not None:
            with self.lock:
                self.error = str(error)
                self.finals += 1
                self.done.notify_all()
            self.slots.release()
            return
        response = result.get_response()
        final = response.parameters["triton_final_response"].bool_param
        if final:
            with self.lock:
                self.finals += 1
                self.done.notify_all()
            self.slots.release()
        else:
            # Decode, as a user would, so that both clients do the same work per response.
            result.as_numpy("Y")
            result.as_numpy("INDEX")
            with self.lock:
                self.responses += 1

    def run(self, client, model, inputs, count):
        with self.lock:
            target = self.finals + count
        for i in range(count):
            self.slots.acquire()
            client.async_stream_infer(
                model, inputs, request_id=str(i), enable_empty_final_response=True
            )
        with self.lock:
            while self.finals < target:
                self.done.wait()
            if self.error is not None:
                raise RuntimeError(self.error)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="host:port of the gRPC endpoint")
    parser.add_argument("--model", required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--in-flight", type=int, required=True)
    parser.add_argument("--warm-up", type=int, default=0)
    parser.add_argument("--width", type=int, required=True, help="elements of the FP32 input X")
    args = parser.parse_args()

    x = np.arange(args.width, dtype=np.float32)
    inputs = [grpcclient.InferInput("X", [args.width], "FP32")]
    inputs[0].set_data_from_numpy(x)
    stream = Stream(args.in_flight)
    client = grpcclient.InferenceServerClient(url=args.url)
    try:
        client.start_stream(callback=stream.callback)
        if args.warm_up > 0:
            stream.run(client, args.model, inputs, args.warm_up)
        responses_before = stream.responses
        cpu_before = cpu_seconds()
        start = time.perf_counter()
        stream.run(client, args.model, inputs, args.requests)
        seconds = time.perf_counter() - start
        cpu = cpu_seconds() - cpu_before
        responses = stream.responses - responses_before
        client.stop_stream()
    finally:
        client.close()
    json.dump(
        {
            "requests": args.requests,
            "responses": responses,
            "seconds": seconds,
            "cpu_seconds": cpu,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
