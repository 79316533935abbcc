/* Parses an .ics with libical and runs its RFC 5545/5546 restriction check
 * (what Evolution and other libical programs apply); prints every error found
 * and exits 1 when there is one. Built by tests/core/test_ical_readers.py. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static int report(icalcomponent *component) {
    int errors = 0;
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        printf("%s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(component)),
               icalproperty_get_xlicerror(p));
        errors++;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT);
         c != NULL; c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
        errors += report(c);
    }
    return errors;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    FILE *file = fopen(argv[1], "rb");
    if (file == NULL) return 2;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = calloc((size_t)size + 1, 1);
    if (text == NULL || fread(text, 1, (size_t)size, file) != (size_t)size) return 2;
    fclose(file);
    icalcomponent *calendar = icalparser_parse_string(text);
    if (calendar == NULL) {
        printf("unparsable: %s\n", icalerror_strerror(icalerrno));
        return 1;
    }
    icalrestriction_check(calendar);
    int events = icalcomponent_count_components(calendar, ICAL_VEVENT_COMPONENT);
    int errors = report(calendar);
    printf("%d events, %d errors\n", events, errors);
    icalcomponent_free(calendar);
    free(text);
    return errors ? 1 : 0;
}
