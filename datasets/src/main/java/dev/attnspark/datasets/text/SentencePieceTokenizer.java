package dev.attnspark.datasets.text;

import ai.djl.sentencepiece.SpProcessor;
import ai.djl.sentencepiece.SpTokenizer;
import dev.attnspark.datasets.DatasetException;


/**
 * A SentencePiece {@code .model} (xlnet-base-cased's {@code spiece.model}), through DJL's binding: never truncates.
 * Special tokens are not added (causal language modelling tokenizes without them).
 */
final class SentencePieceTokenizer extends FileTokenizer<SpTokenizer> {
    private static final long serialVersionUID = 1L;

    private SentencePieceTokenizer(String name, String file, byte[] bytes, int vocabSize, int padId, int eosId) {
        super(name, file, bytes, vocabSize, padId, eosId);
    }

    static SentencePieceTokenizer of(String name, String file, byte[] bytes) {
        int size = pieces(file, bytes);
        SpTokenizer sp = new SentencePieceTokenizer(name, file, bytes, size, 0, -1).tokenizer();
        return new SentencePieceTokenizer(name, file, bytes, size, id(sp.getProcessor(), "<pad>"),
                id(sp.getProcessor(), "</s>"));
    }

    /**
     * The number of pieces of a serialized {@code ModelProto} (its repeated field 1), read from the protobuf wire
     * format: DJL's vocabulary has no size.
     */
    static int pieces(String file, byte[] b) {
        int n = 0, at = 0;
        try {
            while (at < b.length) {
                long key = 0;
                int shift = 0;
                for (byte x; ; shift += 7) {
                    x = b[at++];
                    key |= (long) (x & 0x7f) << shift;
                    if (x >= 0) {
                        break;
                    }
                }
                int wire = (int) (key & 7);
                if (wire == 2) {
                    long len = 0;
                    shift = 0;
                    for (byte x; ; shift += 7) {
                        x = b[at++];
                        len |= (long) (x & 0x7f) << shift;
                        if (x >= 0) {
                            break;
                        }
                    }
                    at = Math.addExact(at, Math.toIntExact(len));
                    if (key >>> 3 == 1) {
                        n++;
                    }
                } else if (wire == 0) {
                    while (b[at++] < 0) {
                        // varint
                    }
                } else if (wire == 5) {
                    at += 4;
                } else if (wire == 1) {
                    at += 8;
                } else {
                    throw new IllegalArgumentException("wire type " + wire);
                }
            }
        } catch (RuntimeException e) {
            throw new DatasetException(file + ": not a SentencePiece model (unreadable protobuf: " + e + ")", e);
        }
        if (n == 0 || at != b.length) {
            throw new DatasetException(file + ": not a SentencePiece model (no pieces)");
        }
        return n;
    }

    /** The id of a piece, or -1 if the model has no such piece (SentencePiece answers with {@code <unk>}'s). */
    private static int id(SpProcessor p, String piece) {
        int id = p.getId(piece);
        return piece.equals(p.getToken(id)) ? id : -1;
    }

    private SpTokenizer tokenizer() {
        return loaded(b -> {
            try {
                return new SpTokenizer(b);
            } catch (RuntimeException e) {
                throw new DatasetException(file + ": not a loadable SentencePiece model (" + e.getMessage() + ")", e);
            }
        });
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return tokenizer().getProcessor().encode(text);
    }

    @Override
    public String decode(int[] ids) {
        return tokenizer().getProcessor().decode(ids);
    }
}
