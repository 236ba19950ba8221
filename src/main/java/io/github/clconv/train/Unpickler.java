package io.github.clconv.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that accepts only what a PyTorch state_dict holds, as data: dicts and
 * ordered dicts, tuples and lists, strings, numbers, booleans and None, tensor rebuilds
 * (torch._utils._rebuild_tensor_v2 and _rebuild_parameter) over storages named by
 * persistent ids. In Python a pickle is a program that may call any function; here a
 * global outside ALLOWED, an opcode outside the ones below, or a malformed stream is refused
 * with an IOException that names it, and nothing is ever called. Protocols 2 to 5.
 */
final class Unpickler {
    /** What REDUCE may call, and what GLOBAL may name (storage types only as persistent-id arguments). */
    static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
            "torch.FloatStorage", "torch.DoubleStorage", "torch.LongStorage", "torch.IntStorage");
    /** Bounds on a state_dict's pickle: a deeper or longer one is not a state_dict. */
    static final int MAX_STACK = 100_000, MAX_MEMO = 1_000_000;

    /** A global the pickle named (never resolved to code). */
    record Global(String name) {
    }

    /** A persistent id: ('storage', storage type, key, location, numel) in torch.save's zip format. */
    record Storage(String type, String key, long numel) {
    }

    /** A tensor to rebuild: a view of a storage. */
    record TensorRef(Storage storage, long offset, long[] size, long[] stride) {
    }

    private static final Object MARK = new Object();
    private final ByteBuffer in;
    private final String what;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private Unpickler(byte[] data, String what) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.what = what;
    }

    /** The object the pickle in data builds; what names the source in errors. */
    static Object load(byte[] data, String what) throws IOException {
        try {
            return new Unpickler(data, what).run();
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException(what + ": the pickle ends in the middle of an instruction; the file is cut short or corrupt");
        } catch (RuntimeException e) { // a value of the wrong kind where an instruction needs another (appending to a tuple, ...)
            throw new IOException(what + ": the pickle is malformed (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private IOException refuse(String why) {
        return new IOException(what + ": " + why);
    }

    private Object run() throws IOException {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = in.get() & 0xff;
                    if (v < 2 || v > 5) {
                        throw refuse("pickle protocol " + v + " (expected 2 to 5)");
                    }
                }
                case 0x95 -> in.getLong(); // FRAME: a length hint
                case '.' -> { // STOP
                    if (stack.size() != 1) {
                        throw refuse("the pickle leaves " + stack.size() + " objects instead of one");
                    }
                    return stack.get(0);
                }
                case '(' -> push(MARK);
                case ')' -> push(List.of());
                case ']' -> push(new ArrayList<>());
                case '}' -> push(new LinkedHashMap<>());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 'J' -> push((long) in.getInt());
                case 0x8a -> push(long1(in.get() & 0xff));
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'X' -> push(text(in.getInt()));
                case 0x8c -> push(text(in.get() & 0xff));
                case 0x8d -> push(text(in.getLong()));
                case 'c' -> push(global(line() + "." + line()));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    push(global(module + "." + name));
                }
                case 't' -> push(popToMark());
                case 0x85 -> push(java.util.Collections.singletonList(pop()));
                case 0x86 -> {
                    Object b = pop(), a = pop();
                    push(java.util.Arrays.asList(a, b));
                }
                case 0x87 -> {
                    Object c = pop(), b = pop(), a = pop();
                    push(java.util.Arrays.asList(a, b, c));
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    list(peek()).addAll(items);
                }
                case 's' -> {
                    Object v = pop(), k = pop();
                    dict(peek()).put(key(k), v);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) {
                        throw refuse("SETITEMS with an odd number of items");
                    }
                    Map<String, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(key(items.get(i)), items.get(i + 1));
                    }
                }
                case 'q' -> memo(in.get() & 0xff);
                case 'r' -> memo(in.getInt());
                case 0x94 -> memo(memo.size());
                case 'h' -> push(recall(in.get() & 0xff));
                case 'j' -> push(recall(in.getInt()));
                case 'Q' -> push(storage(pop()));
                case 'R' -> {
                    Object args = pop(), fn = pop();
                    push(reduce(fn, args));
                }
                case 'b' -> { // BUILD: a state_dict's _metadata attribute, kept aside
                    Object state = pop();
                    if (!(peek() instanceof Map)) {
                        throw refuse("BUILD on something other than a dict");
                    }
                    if (state != null && !(state instanceof Map)) {
                        throw refuse("BUILD with a state that is not a dict");
                    }
                }
                default -> throw refuse(String.format(java.util.Locale.ROOT,
                        "pickle opcode 0x%02x at byte %d, which a state_dict does not use; clconv reads only tensors in dicts", op, in.position() - 1));
            }
        }
    }

    private void push(Object o) throws IOException {
        if (stack.size() >= MAX_STACK) {
            throw refuse("the pickle's stack grows beyond " + MAX_STACK + " objects");
        }
        stack.add(o);
    }

    private Object pop() throws IOException {
        if (stack.isEmpty()) {
            throw refuse("the pickle pops from an empty stack");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw refuse("the pickle pops a mark as a value");
        }
        return o;
    }

    private Object peek() throws IOException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw refuse("the pickle reads past its stack");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() throws IOException {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw refuse("the pickle has no mark where it needs one");
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void memo(int index) throws IOException {
        if (memo.size() >= MAX_MEMO) {
            throw refuse("the pickle's memo grows beyond " + MAX_MEMO + " entries");
        }
        memo.put(index, peek());
    }

    private Object recall(int index) throws IOException {
        if (!memo.containsKey(index)) {
            throw refuse("the pickle recalls memo entry " + index + ", which it never stored");
        }
        return memo.get(index);
    }

    private byte[] bytes(long n) throws IOException {
        if (n < 0 || n > in.remaining()) {
            throw refuse("a string of " + n + " bytes in a pickle with " + in.remaining() + " left");
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private String text(long n) throws IOException {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String line() throws IOException {
        StringBuilder s = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            if (s.length() > 200) {
                throw refuse("a global name longer than 200 characters");
            }
            s.append((char) (b & 0xff));
        }
        return s.toString();
    }

    private long long1(int n) throws IOException {
        if (n > 8) {
            throw refuse("an integer of " + n + " bytes, larger than any size or count");
        }
        long v = 0;
        byte[] b = bytes(n);
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return n > 0 && n < 8 && b[n - 1] < 0 ? v - (1L << (8 * n)) : v;
    }

    private Global global(String name) throws IOException {
        if (!ALLOWED.contains(name)) {
            throw refuse("the pickle asks for " + name + ", which a state_dict does not hold (clconv reads tensors in dicts and never runs"
                    + " a pickle's code; a whole model saved with torch.save(model) must be saved as torch.save(model.state_dict()))");
        }
        return new Global(name);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> dict(Object o) throws IOException {
        if (!(o instanceof Map)) {
            throw refuse("SETITEM on something other than a dict");
        }
        return (Map<String, Object>) o;
    }

    private String key(Object k) throws IOException {
        if (!(k instanceof String s)) {
            throw refuse("a dict key that is not a string (" + k + ")");
        }
        return s;
    }

    private Storage storage(Object pid) throws IOException {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global type)
                || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw refuse("a persistent id that is not ('storage', type, key, location, size): " + pid);
        }
        if (!type.name().endsWith("Storage")) {
            throw refuse("a storage of type " + type.name());
        }
        return new Storage(type.name(), key, numel);
    }

    private Object reduce(Object fn, Object args) throws IOException {
        if (!(fn instanceof Global g) || !(args instanceof List<?> a)) {
            throw refuse("REDUCE of " + fn + " on " + args);
        }
        switch (g.name()) {
            case "collections.OrderedDict" -> {
                if (!a.isEmpty()) {
                    throw refuse("OrderedDict built from arguments");
                }
                return new LinkedHashMap<String, Object>();
            }
            case "torch._utils._rebuild_parameter" -> { // (data, requires_grad, backward_hooks): the tensor itself
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef t)) {
                    throw refuse("_rebuild_parameter without a tensor");
                }
                return t;
            }
            case "torch._utils._rebuild_tensor_v2" -> { // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (a.size() < 4 || !(a.get(0) instanceof Storage s) || !(a.get(1) instanceof Long offset) || !(a.get(2) instanceof List<?> size)
                        || !(a.get(3) instanceof List<?> stride) || size.size() != stride.size() || size.size() > 8) {
                    throw refuse("a tensor rebuild with arguments " + a);
                }
                long[] sz = longs(size), st = longs(stride);
                return new TensorRef(s, offset, sz, st);
            }
            default -> throw refuse("REDUCE of " + g.name());
        }
    }

    private long[] longs(List<?> l) throws IOException {
        long[] v = new long[l.size()];
        for (int i = 0; i < v.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0) {
                throw refuse("a tensor size or stride that is not a count: " + l);
            }
            v[i] = x;
        }
        return v;
    }
}
