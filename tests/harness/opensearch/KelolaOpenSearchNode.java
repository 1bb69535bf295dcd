// A real single OpenSearch 2.19 node for kelola's tests, started from the
// published Maven artifacts: the server jar and its dependencies (pulled in by
// org.opensearch.test:framework) plus transport-netty4-client for HTTP. Node's
// protected constructor takes plugins from the classpath, as the test
// framework's MockNode does, without needing a randomized-testing context.
//
//   java -Xms256m -Xmx256m -cp CLASSPATH KelolaOpenSearchNode HOME_DIR HTTP_PORT [key=value ...]
//
// Binds 127.0.0.1 only. Prints "KELOLA_OPENSEARCH_READY <port>" once the node
// started, then runs until SIGTERM (the shutdown hook closes the node) or
// until its parent process exits.
// Extra key=value arguments are node settings (e.g. thread_pool.write.queue_size=1).
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

public final class KelolaOpenSearchNode {
  static final class ClasspathPluginNode extends Node {
    ClasspathPluginNode(Environment env, List<Class<? extends Plugin>> plugins) {
      super(env, plugins, true);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: KelolaOpenSearchNode HOME_DIR HTTP_PORT [key=value ...]");
      System.exit(2);
    }
    // A test process that dies without stopping us (a crash, kill -9) must
    // not leave a node running: exit with the parent, watched from the start
    // (once orphaned, our parent would be init).
    ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
    if (parent == null || parent.pid() == 1) System.exit(0);
    parent.onExit().thenRun(() -> Runtime.getRuntime().halt(0));
    Path home = Path.of(args[0]).toAbsolutePath();
    Settings.Builder settings = Settings.builder()
        .put("cluster.name", "kelola-test")
        .put("node.name", "kelola-test-node")
        .put("path.home", home.toString())
        .put("path.data", home.resolve("data").toString())
        .put("path.logs", home.resolve("logs").toString())
        .put("network.host", "127.0.0.1")
        .put("http.port", args[1])
        .put("transport.port", "0")
        .put("discovery.type", "single-node")
        .put("http.type", "netty4")
        .put("transport.type", "netty4")
        .put("cluster.routing.allocation.disk.threshold_enabled", "false")
        .put("action.auto_create_index", "true");
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        System.err.println("setting must be key=value: " + args[i]);
        System.exit(2);
      }
      settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    List<Class<? extends Plugin>> plugins = Arrays.asList(Netty4Plugin.class);
    Environment env = InternalSettingsPreparer.prepareEnvironment(
        settings.build(), java.util.Collections.emptyMap(), null, () -> "kelola-test-node");
    Node node = new ClasspathPluginNode(env, plugins);
    node.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        // exiting anyway
      }
    }));
    System.out.println("KELOLA_OPENSEARCH_READY " + args[1]);
    System.out.flush();
    Thread.currentThread().join();  // until SIGTERM runs the hook and exits
  }
}
