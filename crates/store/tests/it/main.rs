mod contract;
mod migrations;
mod stored_format;
mod support;
