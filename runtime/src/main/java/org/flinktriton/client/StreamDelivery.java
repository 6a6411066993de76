package org.flinktriton.client;

/**
 * When {@link TritonModelClient#inferStream} hands a record's responses to its {@link
 * ResponseListener}.
 */
public enum StreamDelivery {
    /**
     * The default: a record's responses are held until its final response has arrived, then
     * delivered together, followed by {@link ResponseListener#onEnd}. A stream that breaks
     * mid-record costs nothing visible: the record is sent again and only the responses of the
     * attempt that ended are delivered, so each response reaches the listener exactly once. The
     * client holds at most the responses of the records in flight ({@code maxConcurrentRequests}).
     */
    AFTER_FINAL,

    /**
     * Each response is delivered as it arrives, for the lowest latency (tokens of a text being
     * generated). At least once: when the stream breaks mid-record, the record is sent again and
     * its responses are delivered again from index 0; {@code (record, index)} identifies repeats.
     */
    IMMEDIATE
}
