using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Web;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>
/// A small token server for distribution's token auth, on 127.0.0.1: it checks Basic credentials against one
/// user and answers with an ES256 JWT whose header carries the signing certificate (<c>x5c</c>); the registry
/// trusts that certificate through <c>rootcertbundle</c>. It grants whatever repository actions are asked for.
/// Like ACR, it also answers <c>POST /oauth2/exchange</c> (an Azure AD token, <see cref="AadToken"/>, for a refresh token)
/// and OAuth2 <c>POST</c>s to the realm with <c>grant_type=refresh_token</c> (a refresh token it issued, or
/// <see cref="IdentityToken"/>), answering <c>access_token</c>.
/// </summary>
public sealed class TokenIssuer : IDisposable
{
    /// <summary>The <c>service</c> (the token's audience) the registry is configured with.</summary>
    public const string Service = "gitops-test-registry";

    /// <summary>The token's issuer, as the registry is configured.</summary>
    public const string Issuer = "gitops-test-issuer";

    private HttpListener _listener = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;
    private readonly string _user;
    private readonly string _password;
    private readonly List<string> _requests = [];
    private readonly List<IReadOnlyDictionary<string, string[]>> _forms = [];
    private readonly HashSet<string> _refreshTokens = [];

    public TokenIssuer(string user, string password)
    {
        _user = user;
        _password = password;
        var request = new CertificateRequest($"CN={Issuer}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        for (var tries = 0; ; tries++)
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            // A fresh listener per try: one whose start failed cannot even drop its prefix ("address already in use").
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (tries < 5) { }
        }
        _ = Task.Run(LoopAsync);
    }

    /// <summary>The issuer's port.</summary>
    public int Port { get; private set; }

    /// <summary>The realm the registry points clients at.</summary>
    public string Realm => $"http://127.0.0.1:{Port}/token";

    /// <summary>The signing certificate as PEM, for the registry's <c>rootcertbundle</c>.</summary>
    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>Every token request so far, as its scope parameters ("" when none), and "401" for refused ones.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    /// <summary>The Azure AD access token <c>/oauth2/exchange</c> accepts (null: none).</summary>
    public string? AadToken { get; set; }

    /// <summary>A refresh token (a Docker config <c>identitytoken</c>) the realm accepts besides the exchanged ones.</summary>
    public string? IdentityToken { get; set; }

    /// <summary>Every form POSTed so far (exchange and refresh-token grants), with <c>path</c> added.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string[]>> Forms
    {
        get { lock (_forms) return [.. _forms]; }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (InvalidOperationException) { return; }
            try { Answer(context); }
            catch (HttpListenerException) { }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var query = HttpUtility.ParseQueryString(context.Request.Url!.Query);
        var scopes = query.GetValues("scope") ?? [];
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}"));
        var refused = context.Request.Headers["Authorization"] != expected || query["service"] != Service;
        var accessName = "token";
        if (context.Request.HttpMethod == "POST")
        {
            string text;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) text = reader.ReadToEnd();
            var parsed = HttpUtility.ParseQueryString(text);
            var form = parsed.AllKeys.OfType<string>().ToDictionary(k => k, k => parsed.GetValues(k) ?? []);
            form["path"] = [context.Request.Url.AbsolutePath];
            form["authorization"] = [context.Request.Headers["Authorization"] ?? ""];
            lock (_forms) _forms.Add(form);
            if (context.Request.Url.AbsolutePath == "/oauth2/exchange")
            {
                if (parsed["grant_type"] != "access_token" || parsed["service"] != Service || AadToken is null || parsed["access_token"] != AadToken)
                {
                    lock (_requests) _requests.Add("401");
                    context.Response.StatusCode = 401;
                    context.Response.Close();
                    return;
                }
                var refresh = "acr-refresh-" + Guid.NewGuid().ToString("N");
                lock (_refreshTokens) _refreshTokens.Add(refresh);
                Write(context, new Dictionary<string, object> { ["refresh_token"] = refresh });
                return;
            }
            scopes = parsed.GetValues("scope") ?? [];
            bool known;
            lock (_refreshTokens) known = parsed["refresh_token"] is { } r && (_refreshTokens.Contains(r) || r == IdentityToken);
            refused = parsed["grant_type"] != "refresh_token" || parsed["service"] != Service || !known;
            accessName = "access_token";
        }
        if (refused)
        {
            lock (_requests) _requests.Add("401");
            context.Response.StatusCode = 401;
            context.Response.Close();
            return;
        }
        lock (_requests) _requests.Add(string.Join(' ', scopes));
        var access = scopes.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(s =>
        {
            var parts = s.Split(':');
            return new Dictionary<string, object> { ["type"] = parts[0], ["name"] = string.Join(':', parts[1..^1]), ["actions"] = parts[^1].Split(',') };
        }).ToList();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "ES256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = _user,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var input = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256); // r||s, as JWS wants
        var token = input + "." + Base64Url(signature);
        Write(context, new Dictionary<string, object> { [accessName] = token, ["expires_in"] = 300 });
    }

    private static void Write(HttpListenerContext context, Dictionary<string, object> answer)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(answer);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
        context.Response.Close();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        // Stopping re-resolves the endpoint; when the port was already given up that can throw, and nothing is left to free.
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException) { }
        _certificate.Dispose();
        _key.Dispose();
    }
}
