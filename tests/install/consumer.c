/* A program built against an installed libv6node: prints the library version
 * and the container name of the config given as argv[1]. */
#include <stdio.h>
#include <v6node.h>

int main(int argc, char **argv)
{
    v6n_config *config = NULL;
    v6n_node_spec *spec = NULL;
    if (argc != 2 || v6n_config_load(&config, argv[1]) ||
        v6n_node_spec_build(&spec, config, NULL)) {
        fprintf(stderr, "consumer: %s\n", v6n_error_last()->message);
        return 1;
    }
    printf("%s %s\n", v6n_version(), v6n_node_spec_container_name(spec));
    v6n_node_spec_free(spec);
    v6n_config_free(config);
    return 0;
}
