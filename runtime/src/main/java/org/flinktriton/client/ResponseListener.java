package org.flinktriton.client;

import org.flinktriton.TritonException;

/**
 * Receives the responses of a decoupled model to the records of one {@link
 * TritonModelClient#inferStream} call: for each record, its responses in the order the server sent
 * them, then either {@link #onEnd} or {@link #onFailure}, exactly once. Records are named by their
 * index in the call's list; the responses of different records interleave as the server answers
 * them.
 *
 * <pre>{@code
 * client.inferStream(prompts, Token.class, new ResponseListener<Token>() {
 *     public void onResponse(int record, int index, Token token) { out.append(record, token); }
 *     public void onEnd(int record, int responses) { out.finish(record); }
 *     public void onFailure(int record, TritonException error) { out.fail(record, error); }
 * }).join();                                   // every record has ended or failed
 * }</pre>
 *
 * <p>Calls for one {@code inferStream} call come one at a time, on the client's threads; a slow
 * listener slows the stream down (the client asks the server for more responses only as the
 * listener takes them), it does not make the client buffer more. An exception thrown here fails the
 * whole call: its future completes with it and the call's later responses are dropped.
 *
 * @param <O> the decoded type of one response
 */
public interface ResponseListener<O> {
    /**
     * One response of {@code record}.
     *
     * @param index the response's position among the record's responses, from 0; with {@link
     *     StreamDelivery#IMMEDIATE} a record sent again after its stream broke starts again at 0,
     *     so {@code (record, index)} tells a repeated response from a new one
     */
    void onResponse(int record, int index, O response);

    /** {@code record} has its final response; {@code responses} of them were delivered (0..n). */
    void onEnd(int record, int responses);

    /**
     * {@code record} failed: the server answered it with an error, it missed its deadline ({@code
     * requestTimeout}, to the final response), or its stream broke more often than the retry policy
     * allows. The other records go on.
     */
    void onFailure(int record, TritonException error);
}
