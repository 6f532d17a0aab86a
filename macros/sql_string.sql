{#- A SQL string literal holding `value`, or null. -#}
{% macro sql_string(value) %}
  {{ return(adapter.dispatch('sql_string', 'spoke')(value)) }}
{% endmacro %}

{% macro default__sql_string(value) %}
  {%- if value is none -%}
    {{ return('null') }}
  {%- endif -%}
  {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{% endmacro %}

{#- Redshift reads a backslash in a literal as an escape, and JSON text is full of them. -#}
{% macro redshift__sql_string(value) %}
  {%- if value is none -%}
    {{ return('null') }}
  {%- endif -%}
  {{ return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "''")) ~ "'") }}
{% endmacro %}
