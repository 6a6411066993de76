package org.flinktriton.samples.image;

/** The positions of the largest scores, without sorting all of them. */
public final class TopK {
    private TopK() {}

    /**
     * The indices of the {@code k} largest values of {@code scores}, largest first; equal values in
     * index order. Fewer than {@code k} when there are fewer scores.
     */
    public static int[] indices(float[] scores, int k) {
        int n = Math.min(k, scores.length);
        int[] top = new int[n];
        int filled = 0;
        for (int i = 0; i < scores.length; i++) {
            float score = scores[i];
            if (filled == n && (n == 0 || !(score > scores[top[n - 1]]))) {
                continue;
            }
            int position = filled < n ? filled++ : n - 1;
            while (position > 0 && score > scores[top[position - 1]]) {
                top[position] = top[position - 1];
                position--;
            }
            top[position] = i;
        }
        return top;
    }
}
