// EPUBCheck on several files in one JVM (see pressroom/validators.py): arguments are pairs of
// an EPUB and the JSON report to write for it; EPUBCheck's own command-line class checks each.
public class EpubCheckMany {
    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            new com.adobe.epubcheck.tool.EpubChecker().run(new String[] {args[i], "-q", "--json", args[i + 1]});
        }
    }
}
