package authresponder.core;

import java.net.HttpURLConnection;
import java.net.URI;
import javax.net.ssl.SSLContext;

/**
 * Run by {@link KeyExchangeTest} in a JVM of its own, since the JDK reads the key-exchange setting once per
 * process: prepares TLS as a function's init does, prints the groups in effect, then the status of a GET to
 * the HTTPS address it is given.
 */
final class KeyExchangeProbe {
    public static void main(String[] args) throws Exception {
        AwsClients.prepareHttp();
        System.out.println(String.join(",", SSLContext.getDefault().getDefaultSSLParameters().getNamedGroups()));
        HttpURLConnection connection = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
        System.out.println(connection.getResponseCode());
        connection.disconnect();
    }
}
